/**
 * Applying a real-server plan all or nothing: the actions run in order, and
 * when one fails, the ones this run completed are undone, newest first, so no
 * VIP is left on a host whose ARP settings were rolled back (or the reverse).
 */
import { type Action, describeAction, undo } from './plan.js';

export type ApplyResult =
  { ok: true } | { ok: false; failed: string; error: string; rolledBack: string[] };

export async function applyWithRollback(
  actions: readonly Action[],
  applyOne: (a: Action) => Promise<void>,
  onApplied: (a: Action) => void = () => {},
): Promise<ApplyResult> {
  const done: Action[] = [];
  for (const a of actions) {
    try {
      await applyOne(a);
    } catch (error) {
      const rolledBack: string[] = [];
      for (const d of [...done].reverse()) {
        const u = undo(d);
        if (!u) continue;
        try {
          await applyOne(u);
          rolledBack.push(describeAction(u));
        } catch (e) {
          rolledBack.push(`${describeAction(u)}: FAILED ${(e as Error).message}`);
        }
      }
      return {
        ok: false,
        failed: describeAction(a),
        error: (error as Error).message,
        rolledBack,
      };
    }
    done.push(a);
    onApplied(a);
  }
  return { ok: true };
}
