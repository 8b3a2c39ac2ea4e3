"""backup-kit's Lambda runtime for Node.js functions, shared by the embedded emulator and the LocalStack executor."""
