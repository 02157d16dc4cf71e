// The pure rules of CAS: which URLs a registered prefix admits, XML escaping, ticket-free log paths.
import { serviceMatchesPrefix } from '../../../src/domain/cas/service-url.js';
import { frenchDate } from '../../../src/domain/cas/attributes.js';
import { escapeXml, logoutRequest, validationFailure } from '../../../src/cas/xml.js';
import { withTicket } from '../../../src/cas/login.js';
import { loggablePath } from '../../../src/http/request-id.js';

describe('service URL prefixes', () => {
  const prefix = 'https://pronote.ecole.fr:8443/pronote/';
  it.each([
    ['https://pronote.ecole.fr:8443/pronote/', true],
    ['https://pronote.ecole.fr:8443/pronote/eleve.html?x=1', true],
    ['https://pronote.ecole.fr:8443/pronote', false],
    ['https://pronote.ecole.fr:8443/pronote-pirate/', false],
    ['https://pronote.ecole.fr:8443/pronote/../admin/', false],
    ['http://pronote.ecole.fr:8443/pronote/', false],
    ['https://pronote.ecole.fr/pronote/', false],
    ['https://pronote.ecole.fr.pirate.example:8443/pronote/', false],
    ['https://pronote.ecole.fr:8443@pirate.example/pronote/', false],
    ['https://user@pronote.ecole.fr:8443/pronote/', false],
    ['javascript://pronote.ecole.fr:8443/pronote/', false],
    ['pronote.ecole.fr:8443/pronote/', false],
  ])('%s → %s', (url, expected) => expect(serviceMatchesPrefix(url, prefix)).toBe(expected));

  it('a prefix without a trailing slash admits itself and what lies under it, segment by segment', () => {
    expect(serviceMatchesPrefix('https://moodle.fr/login', 'https://moodle.fr/login')).toBe(true);
    expect(serviceMatchesPrefix('https://moodle.fr/login/index.php', 'https://moodle.fr/login')).toBe(true);
    expect(serviceMatchesPrefix('https://moodle.fr/loginx', 'https://moodle.fr/login')).toBe(false);
  });
});

describe('XML', () => {
  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(validationFailure('INVALID_TICKET', '<script>')).toContain('>&lt;script&gt;<');
    expect(logoutRequest('ST-abc')).toContain('<samlp:SessionIndex>ST-abc</samlp:SessionIndex>');
  });
});

describe('small rules', () => {
  it('dates for PRONOTE', () => {
    expect(frenchDate('2010-08-01')).toBe('01/08/2010');
    expect(frenchDate(null)).toBe('');
  });
  it('adds the ticket before a fragment, after an existing query', () => {
    expect(withTicket('https://a.fr/x', 'ST-1')).toBe('https://a.fr/x?ticket=ST-1');
    expect(withTicket('https://a.fr/x?y=1#top', 'ST-1')).toBe('https://a.fr/x?y=1&ticket=ST-1#top');
  });
  it('tickets travel in query strings, which request logs never carry', () => {
    expect(loggablePath('/cas/serviceValidate')).toBe('/cas/serviceValidate');
  });
});
