/**
 * A count of things in flight that each hold something scarce (a database
 * connection for an upload's whole body, a stream for an export), at most
 * `max` in all and `perUser` of one user, so one account's slow or stalled
 * requests cannot take every slot from the others.
 */
export interface UserSlots {
  /** Takes one of the user's slots: true, or which limit refused it (the user's own, or all of them). */
  take(userId: string): true | "user" | "all";
  release(userId: string): void;
}

export function createUserSlots(max: number, perUser: number): UserSlots {
  let used = 0;
  const byUser = new Map<string, number>();
  return {
    take(userId) {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= perUser) return "user";
      if (used >= max) return "all";
      used++;
      byUser.set(userId, mine + 1);
      return true;
    },
    release(userId) {
      used--;
      const mine = (byUser.get(userId) ?? 1) - 1;
      if (mine > 0) byUser.set(userId, mine);
      else byUser.delete(userId);
    },
  };
}
