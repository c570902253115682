"""People referred to the program, their addresses, phones, languages and supports."""
