"""Original sample reports shipped as the default corpus."""
