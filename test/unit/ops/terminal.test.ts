// The CLI's output filter: third-party text reaches the terminal with its control characters shown, not obeyed.
import { terminalSafe } from '../../../src/cli/terminal.js';

describe('terminalSafe', () => {
  it('escapes C0 and C1 controls, DEL and bidirectional overrides; keeps tab, newline and letters', () => {
    expect(terminalSafe('a\tb\nc')).toBe('a\tb\nc');
    expect(terminalSafe('Élève Ñoño 学校 👋')).toBe('Élève Ñoño 学校 👋');
    expect(terminalSafe('\u001b[2J\u001b]0;titre\u0007')).toBe('\\x1b[2J\\x1b]0;titre\\x07');
    expect(terminalSafe('x\rcaché\u0000\u007f\u009b31m')).toBe('x\\x0dcaché\\x00\\x7f\\x9b31m');
    expect(terminalSafe('abc\u202edcba\u2066\u2069')).toBe('abc\\u202edcba\\u2066\\u2069');
  });
});
