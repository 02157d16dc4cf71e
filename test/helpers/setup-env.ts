// Every test process runs with NODE_ENV=test (config/test.json: cheap argon2, no demo seed).
process.env.NODE_ENV = 'test';
