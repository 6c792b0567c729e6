import { describeError } from '@handoff/errors';
import type { Logger } from '@handoff/observability';
import { projectNext, type ProjectorDeps } from './use-cases/project.js';

/**
 * Keeps the projections up with the event store: takes the next page as soon
 * as one is waiting, and looks again every `idleMs` when caught up.
 */
export class Projector {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: ProjectorDeps & { logger: Logger; pageSize?: number; idleMs?: number }) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  isRunning(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    const pageSize = this.deps.pageSize ?? 2000;
    while (this.running) {
      let taken = 0;
      try {
        taken = await projectNext(this.deps, pageSize);
      } catch (err) {
        this.deps.logger.error({ err: describeError(err) }, 'projecting events failed; retrying');
      }
      if (taken < pageSize) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.deps.idleMs ?? 100);
        });
      }
    }
  }
}
