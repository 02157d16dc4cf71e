// Integration and browser tests run real servers, databases and Chromium on a shared
// 2-core machine: a generous per-test time, so load never fails a correct test.
import { jest } from '@jest/globals';

jest.setTimeout(30_000);
