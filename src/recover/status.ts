// One status per sector, everywhere (sector table, --json, image sector map,
// web page, API `record.status`), best first:
//
//   good       its check verifies as read, unmodified
//   corrected  an ECC burst within the code's span was corrected; the check verifies after it
//   recovered  another data separator (or soft decision) gave a copy whose check verifies
//   voted      no copy verified; a bit-wise vote over several reads did, then the check
//   conflict   copies whose checks verify disagree: diskflux cannot tell which is right
//   bad        read, but no copy verifies
//   missing    never read (an image's sector, or a number missing from a track's sequence)
export type SectorStatus = "good" | "corrected" | "recovered" | "voted" | "conflict" | "bad" | "missing";

/**
 * Every status, best first (the order a best-copy choice prefers).
 *
 * @example
 * import { SECTOR_STATUSES, type SectorStatus } from "diskflux";
 * const rank = (s: SectorStatus) => SECTOR_STATUSES.indexOf(s); // 0 = good … 6 = missing
 * console.log(rank("voted") < rank("bad")); // true
 */
export const SECTOR_STATUSES: readonly SectorStatus[] = ["good", "corrected", "recovered", "voted", "conflict", "bad", "missing"];
