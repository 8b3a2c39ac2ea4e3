/** How a request ended, as the tests of the emulator's refusals compare it: 'written', or S3's status and error name. */
export const refusal = (write: Promise<unknown>): Promise<string> =>
  write.then(
    () => 'written',
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
  );
