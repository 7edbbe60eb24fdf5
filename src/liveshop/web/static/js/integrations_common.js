// Shared by the integrations pages: whose webhooks and tokens are shown (a shop or the creator).
import { $ } from "./common.js";
import { currentShop } from "./seller_common.js";

/** Calls `onOwner({kind, id})` with the owner now shown, and again when the seller switches shop. */
export async function withOwner(onOwner) {
  const root = $("#integrations");
  if (root.dataset.ownerKind === "creator") {
    onOwner({ kind: "creator", id: Number(root.dataset.user) });
    return;
  }
  const shop = await currentShop((s) => onOwner({ kind: "shop", id: s.id }));
  if (shop) onOwner({ kind: "shop", id: shop.id });
}

/** The checked values of the checkboxes called `name` in `form`. */
export const checked = (form, name) =>
  [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
