"""The home's vocabulary: its data, where it is kept, and the command grammar made from it."""
