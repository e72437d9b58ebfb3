/* SPDX-License-Identifier: Apache-2.0 */
/* DOM helper of the monitoring page and the api explorer. */

/* A new element: 'attrs' ("class", "on<event>" handlers, attributes), then children. */
export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === "class") e.className = v;
		else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
		else e.setAttribute(k, v);
	}
	for (const c of children)
		e.append(c);
	return e;
}
