/** An SDR as routing sees them. */
export interface RoutableSdr {
  id: string;
  active: boolean;
  openLeads: number;
  capacity: number;
}

/** Whether an SDR can take another lead now. */
export function canTakeLead(sdr: RoutableSdr): boolean {
  return sdr.active && sdr.openLeads < sdr.capacity;
}

/**
 * Round robin: the first SDR after `lastSdrId` (in id order, wrapping) who
 * can take a lead; undefined when nobody can. Skipping the unavailable keeps
 * leads away from people who are away or full.
 */
export function nextInRotation(sdrs: RoutableSdr[], lastSdrId: string | undefined): RoutableSdr | undefined {
  const ordered = [...sdrs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const start = lastSdrId === undefined ? 0 : ordered.findIndex((s) => s.id > lastSdrId);
  const from = start < 0 ? 0 : start;
  for (let i = 0; i < ordered.length; i++) {
    const candidate = ordered[(from + i) % ordered.length]!;
    if (canTakeLead(candidate)) return candidate;
  }
  return undefined;
}
