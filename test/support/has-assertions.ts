// Every test must check something: a test that asserts nothing passes whatever the code does.
// Loaded before each test file of both projects (vitest.config.ts).
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
