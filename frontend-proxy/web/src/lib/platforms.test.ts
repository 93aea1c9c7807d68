import { describe, expect, it } from 'vitest';
import { configToSend } from './platforms';

describe('compute environment forms', () => {
  it('sends the filled fields of the platform, numbers as numbers', () => {
    expect(configToSend('slurm-platform', { hostName: ' login ', port: '2222', userName: 'hpc', workDir: '/w', namespace: 'x', propagateHeadJobOptions: true })).toEqual({
      discriminator: 'slurm-platform',
      hostName: 'login',
      port: 2222,
      userName: 'hpc',
      workDir: '/w',
      propagateHeadJobOptions: true,
    });
  });
});
