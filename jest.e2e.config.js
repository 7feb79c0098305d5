// The browser tests (npm run test:e2e): the same setup as `npm test`, only tests/e2e.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/tests/e2e'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60000,
};
