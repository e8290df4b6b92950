"""The judge: runs the hidden checks in the grading process against the student kernel (docs/architecture.md)."""
