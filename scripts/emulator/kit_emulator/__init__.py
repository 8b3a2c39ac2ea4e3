"""backup-kit's embedded emulator: moto, extended where it falls short of the kit's template and matrix."""
