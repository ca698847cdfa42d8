// Numbers, times and flags, formatted for the reader's locale.

const nf = new Intl.NumberFormat(undefined);
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const pct = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
const pctFine = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

export const fmtInt = (n: number): string => nf.format(n);
export const fmtCompact = (n: number): string => compact.format(n);
/** A share as a percentage: whole percents, one decimal below 10 % (so 0.4 % is not "0 %"). */
export const fmtPct = (x: number): string => (Math.abs(x) < 0.1 && x !== 0 ? pctFine : pct).format(x);
export const fmtSigned = (x: number): string => (x > 0 ? "+" : "") + x.toFixed(2);

/** "Sun 18 Dec" style day label (UTC). */
export function fmtDay(isoDay: string): string {
  const d = new Date(`${isoDay.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });
}

export function fmtDateTime(iso: string): string {
  return (
    new Date(iso).toLocaleString(undefined, {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      timeZone: "UTC",
    }) + " UTC"
  );
}

/** "5 min ago", relative to ``now`` (the newest post: event time, not the wall clock). */
export function relTime(iso: string, now: number): string {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return rtf.format(0, "second");
  if (a < 2700) return rtf.format(Math.round(s / 60), "minute");
  if (a < 86400 * 1.5) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

/** The flag emoji of an ISO 3166-1 alpha-2 code ("" when it is not one). */
export function flag(code?: string | null): string {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return "";
  const up = code.toUpperCase();
  return String.fromCodePoint(...[...up].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

/** Text split into plain parts and hashtags / mentions (for highlighting). */
export type TextPart = { kind: "text" | "hashtag" | "mention" | "url"; value: string };
const TOKEN = /(#[\p{L}\p{N}_]+|@[A-Za-z0-9_]+|https?:\/\/\S+)/gu;

export function splitText(text: string): TextPart[] {
  const out: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const i = m.index ?? 0;
    if (i > last) out.push({ kind: "text", value: text.slice(last, i) });
    const v = m[0];
    out.push({ kind: v[0] === "#" ? "hashtag" : v[0] === "@" ? "mention" : "url", value: v });
    last = i + v.length;
  }
  if (last < text.length) out.push({ kind: "text", value: text.slice(last) });
  return out;
}

/** A sentiment compound score (-1..1) as a tone name for CSS. */
export function tone(compound: number): "pos" | "neg" | "neu" {
  return compound >= 0.05 ? "pos" : compound <= -0.05 ? "neg" : "neu";
}
