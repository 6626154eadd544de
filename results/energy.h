/* results/energy.h — the "Energy and cost" section of report.md and
 * report.html, rendered from report.json's "energy" object
 * (energy/account.h): the machine's power by part with where each figure
 * came from, what is not counted, energy and money per iteration and for
 * the training to the token target.
 *
 * Ownership: appends to the caller's text; reads the object only.
 */
#ifndef RES_ENERGY_H
#define RES_ENERGY_H

#include <jansson.h>
#include <stdbool.h>

#include "common/tn_text.h"

/* Appends the section (html: a table; else Markdown) for `energy`, or
 * nothing when it is not an object. O(size of the object). */
void res_energy_section(tn_text_t *t, const json_t *energy, bool html);

#endif
