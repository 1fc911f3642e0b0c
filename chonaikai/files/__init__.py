"""Files for people and from people, shared by every app: the one xlsx writer (xlsx) and the one
decoder of uploaded CSV text (text). Imports no app."""
