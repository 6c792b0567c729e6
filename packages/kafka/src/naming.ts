/** Maps Handoff's logical topic names to the cluster's, so stacks can share a cluster under a prefix. */
export class TopicNaming {
  constructor(readonly prefix: string = '') {}

  /** The cluster's name of a logical topic. */
  physical(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  /** The logical name of a cluster topic, or undefined if it is not ours. */
  logical(physical: string): string | undefined {
    return physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : undefined;
  }
}
