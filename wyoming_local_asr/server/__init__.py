"""The Wyoming protocol side of the server: reader, handler, utterances, discovery."""
