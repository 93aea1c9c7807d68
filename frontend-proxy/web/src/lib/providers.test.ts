import { describe, expect, it } from 'vitest';
import { keysToSend, providerForm, PROVIDERS } from './providers';

describe('credentials forms', () => {
  it('sends the filled fields only, so an empty secret keeps its stored value', () => {
    const gh = providerForm('github')!;
    expect(keysToSend(gh, { username: ' octo ', password: '', token: 't0k' })).toEqual({ discriminator: 'github', username: 'octo', token: 't0k' });
  });
  it('offers every provider the server stores', () => {
    expect(PROVIDERS.map((p) => p.id)).toEqual(['ssh', 'k8s', 'container-reg', 'github', 'gitlab', 'bitbucket', 'gitea', 'codecommit', 'aws', 'google', 'azure']);
  });
});
