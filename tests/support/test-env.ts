// Fixed secrets for tests: nothing under test reads or writes .data/.
process.env.AUTH_SECRET ??= "test-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz";
process.env.ENCRYPTION_KEY ??= "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
process.env.ADMIN_EMAIL ??= "admin@example.com";
process.env.ADMIN_PASSWORD ??= "admin-password-for-tests";
export {};
