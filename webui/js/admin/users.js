// Users of my agency: create, role, disable/enable, reset password (shown once), sign-in
// history (the audit trail's auth.sign_in records), and my own API tokens (scope, expiry,
// revoke). The API decides whom the caller manages: only those users are listed.

import { t } from "../i18n.js";
import { api, el, field, query, randomPassword, table, when } from "./common.js";

const ROLES = ["operator", "desk_officer", "agency_admin"];

function roleSelect(value, label) {
  return el(
    "select",
    { "aria-label": label },
    ROLES.map((r) => el("option", { value: r, selected: r === value }, t(`role.${r}`))),
  );
}

function secretBox(id, key, secret) {
  return el("div", { id, role: "status" }, el("p", {}, t(key)), el("code", { className: "secret" }, secret));
}

export async function render(container, { me, say }) {
  const users = await api("GET", "/users");
  const shown = el("div", { id: "users-secret" });
  const history = el("div", { id: "users-history" });

  const act = async (what, fn) => {
    try {
      await fn();
      say(t(what), "ok");
    } catch (err) {
      say(err.message);
    }
  };
  const rerender = () => render(container.replaceChildren() || container, { me, say });

  const rows = users.map((u) => {
    const role = roleSelect(u.role, t("users.role_of", { name: u.username }));
    role.addEventListener("change", () =>
      act("users.role_changed", async () => {
        await api("PATCH", `/users/${u.id}`, { role: role.value });
      }),
    );
    const toggle = el("button", { type: "button" }, t(u.active ? "users.disable" : "users.enable"));
    toggle.addEventListener("click", () =>
      act(u.active ? "users.disabled" : "users.enabled", async () => {
        await api("PATCH", `/users/${u.id}`, { active: !u.active });
        await rerender();
      }),
    );
    const reset = el("button", { type: "button" }, t("users.reset"));
    reset.addEventListener("click", () =>
      act("users.reset_done", async () => {
        const password = randomPassword();
        await api("PATCH", `/users/${u.id}`, { password });
        shown.replaceChildren(secretBox("users-new-password", "users.password_once", `${u.username}: ${password}`));
      }),
    );
    const signins = el("button", { type: "button" }, t("users.signins"));
    signins.addEventListener("click", async () => {
      try {
        const recs = await api("GET", `/audit${query({ user_id: u.id, action: "auth.sign_in", limit: 50 })}`);
        history.replaceChildren(
          el("h3", {}, t("users.signins_of", { name: u.username })),
          table("signin-table", ["audit.at", "audit.outcome", "audit.client"], recs.map((r) => [when(r.at), r.outcome, r.client_addr || ""])),
        );
      } catch (err) {
        say(err.message);
      }
    });
    const tr = el(
      "tr",
      { className: u.active ? "" : "inactive", dataset: { userId: u.id, username: u.username } },
      el("td", {}, u.username),
      el("td", {}, u.display_name),
      el("td", {}, role),
      el("td", {}, t(u.active ? "users.active" : "users.inactive")),
      el("td", {}, when(u.created_at)),
      el("td", {}, toggle, " ", reset, " ", signins),
    );
    if (u.id === me.user_id) toggle.disabled = true; // not yourself
    return tr;
  });

  const username = el("input", { id: "new-username", required: true, minLength: 3, maxLength: 64, autocomplete: "off" });
  const display = el("input", { id: "new-display", maxLength: 200 });
  const newRole = roleSelect("operator", t("users.role"));
  newRole.id = "new-role";
  const form = el("form", { className: "row", id: "user-create" },
    field("users.username", username), field("users.display_name", display), field("users.role", newRole),
    el("button", { type: "submit" }, t("users.create")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    act("users.created", async () => {
      const password = randomPassword();
      await api("POST", "/users", {
        username: username.value.trim(), password, agency_id: me.agency_id, role: newRole.value,
        display_name: display.value.trim(),
      });
      await rerender();
      container.querySelector("#users-secret").replaceChildren(
        secretBox("users-new-password", "users.password_once", `${username.value.trim()}: ${password}`));
    });
  });

  container.append(
    el("h2", {}, t("users.title", { agency: me.agency_name })),
    table("users-table", ["users.username", "users.display_name", "users.role", "users.state", "users.created_at", "users.actions"], rows),
    shown,
    el("h3", {}, t("users.new")),
    form,
    history,
    await tokensPart(me, say),
  );
}

async function tokensPart(me, say) {
  const part = el("div", { id: "tokens" });
  const tokens = await api("GET", "/auth/api-tokens");
  const secret = el("div", { id: "token-secret" });
  const rows = tokens.map((tok) => {
    const revoke = el("button", { type: "button", disabled: Boolean(tok.revoked_at) }, t("tokens.revoke"));
    revoke.addEventListener("click", async () => {
      try {
        await api("DELETE", `/auth/api-tokens/${tok.id}`);
        part.replaceWith(await tokensPart(me, say));
        say(t("tokens.revoked"), "ok");
      } catch (err) {
        say(err.message);
      }
    });
    return [tok.name, tok.scopes.join(", "), when(tok.expires_at), tok.revoked_at ? t("tokens.is_revoked") : t("tokens.is_active"), revoke];
  });
  const name = el("input", { id: "token-name", required: true, maxLength: 100 });
  const days = el("input", { id: "token-days", type: "number", min: 1, max: 365, value: "90" });
  const scopes = el("span", { className: "scopes" }, (me.permissions || []).map((p) =>
    el("label", {}, el("input", { type: "checkbox", value: p, name: "scope" }), ` ${p}`)));
  const form = el("form", { className: "row", id: "token-create" },
    field("tokens.name", name), field("tokens.days", days), el("fieldset", {}, el("legend", {}, t("tokens.scopes")), scopes),
    el("button", { type: "submit" }, t("tokens.create")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const chosen = [...scopes.querySelectorAll("input:checked")].map((i) => i.value);
    if (!chosen.length) {
      say(t("tokens.pick_scope"));
      return;
    }
    try {
      const made = await api("POST", "/auth/api-tokens", { name: name.value.trim(), scopes: chosen, days: Number(days.value) });
      const fresh = await tokensPart(me, say);
      fresh.querySelector("#token-secret").replaceChildren(secretBox("token-new", "tokens.secret_once", made.token));
      part.replaceWith(fresh);
      say(t("tokens.created"), "ok");
    } catch (err) {
      say(err.message);
    }
  });
  part.append(
    el("h2", {}, t("tokens.title")),
    table("tokens-table", ["tokens.name", "tokens.scopes", "tokens.expires", "users.state", "users.actions"], tokens.length ? rows : []),
    secret,
    form,
  );
  return part;
}
