"""The dilemma set as a whole: import and export, and quality flags."""
