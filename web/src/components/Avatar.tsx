import { useState } from "react";

/** A profile picture, or the person's initials when there is none or it fails to load. */
export function Avatar({ src, name, size = 40 }: { src?: string | null; name: string; size?: number }) {
  const [failed, setFailed] = useState(false);
  const initials = name.replace(/^@/, "").slice(0, 2).toUpperCase();
  if (!src || failed) {
    return (
      <span className="avatar initials" style={{ width: size, height: size }} aria-hidden="true">
        {initials}
      </span>
    );
  }
  return (
    <img
      className="avatar"
      src={src}
      alt=""
      width={size}
      height={size}
      loading="lazy"
      decoding="async"
      referrerPolicy="no-referrer"
      onError={() => setFailed(true)}
    />
  );
}
