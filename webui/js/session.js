// The signed-in person on this page: the duty heartbeat of officers who keep watch, and the
// header links their role opens (coverage panel, sign-out). Everything shown is set as text.

const HEARTBEAT_MS = 15_000;

let beating = null;

/** While this wall is open, tell the server every ~15 s that the officer is on watch. */
export function startDutyHeartbeat(me) {
  if (beating !== null || !me || !(me.permissions || []).includes("keep_watch")) return;
  const beat = () => {
    fetch("/api/v1/coverage/heartbeat", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-VMS-CSRF": "1" },
    }).catch(() => {}); // offline for a moment: the next beat tries again
  };
  beat();
  beating = setInterval(beat, HEARTBEAT_MS);
  window.addEventListener("pagehide", () => clearInterval(beating));
}

/** Links for the header: the coverage panel for those who may view it, and sign-out. */
export function addHeaderLinks(slot, me) {
  if (!slot || !me) return;
  const nav = document.createElement("span");
  nav.className = "session-links";
  const linked = document.querySelector('a[href="/coverage"]'); // the admin nav has its own
  if ((me.permissions || []).includes("view_coverage") && !linked) {
    const link = document.createElement("a");
    link.href = "/coverage";
    link.id = "link-coverage";
    link.textContent = "Coverage";
    nav.append(link);
  }
  const perms = me.permissions || [];
  const adminPerms = ["manage_cameras", "manage_users", "manage_sharing", "view_audit"];
  if (adminPerms.some((p) => perms.includes(p)) && location.pathname !== "/admin") {
    const link = document.createElement("a");
    link.href = "/admin";
    link.id = "link-admin";
    link.textContent = "Admin";
    nav.append(link);
  }
  if ((me.permissions || []).includes("declare_emergency")) {
    const link = document.createElement("a");
    link.href = "/emergency";
    link.id = "link-emergency";
    link.textContent = "Emergency";
    nav.append(link);
  }
  const out = document.createElement("button");
  out.type = "button";
  out.id = "btn-signout";
  out.textContent = "Sign out";
  out.addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-VMS-CSRF": "1" },
    }).catch(() => {});
    window.location.assign("/");
  });
  nav.append(out);
  slot.after(nav);
}
