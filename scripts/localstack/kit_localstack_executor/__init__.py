"""backup-kit's Lambda runtime executor for LocalStack: execution environments as local Node.js processes."""
