"""What differs between the Home Assistant versions the integration supports.

The oldest supported release is 2025.4 (the tested one); newer releases add what is looked up
here by name, so that one code base runs on all of them. `tests_ha/test_newest_home_assistant.py`
checks every name used here against the newest release's source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant import config_entries
from homeassistant.components import stt

if TYPE_CHECKING:
    from .wyoming_client import AudioProcessing

# 2025.8+: an options flow whose saved options reload the entry (no update listener needed;
# since 2026.6 an update listener combined with update-and-reload flows is deprecated).
OPTIONS_FLOW_RELOADS: bool = hasattr(config_entries, "OptionsFlowWithReload")
if TYPE_CHECKING:
    OptionsFlowWithReload = config_entries.OptionsFlow
else:
    OptionsFlowWithReload = getattr(
        config_entries, "OptionsFlowWithReload", config_entries.OptionsFlow
    )

# 2026.11+: a speech-to-text entity declares the audio processing it needs.
HAS_AUDIO_PROCESSING: bool = hasattr(stt, "SpeechAudioProcessing")


def speech_audio_processing(processing: AudioProcessing) -> Any:
    """`stt.SpeechAudioProcessing` for this Home Assistant, None where it does not exist."""
    factory = getattr(stt, "SpeechAudioProcessing", None)
    if factory is None:
        return None
    return factory(
        requires_external_vad=processing.requires_external_vad,
        prefers_auto_gain_enabled=processing.prefers_auto_gain_enabled,
        prefers_noise_reduction_enabled=processing.prefers_noise_reduction_enabled,
    )
