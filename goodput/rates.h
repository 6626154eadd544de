/* goodput/rates.h — the failure classes of goodput/data/failures.json
 * (compiled in), turned into gp_class_t rows for a fabric's inventory: each
 * class's per-unit mean time to failure, its effect and its repair time,
 * with the unit count from goodput/inventory.h.
 *
 * How a class gives its rate (all exponential lifetimes, by default):
 *  - node_share s, units_per_node u: a share s of the node failure rate
 *    r (per 1000 node-days), spread over u units of a node:
 *    MTTF = 1000 days / r x u / s;
 *  - monthly_failure p: a share p of the units fails each 30-day month:
 *    MTTF = 720 h / -ln(1 - p);
 *  - mttf_h: given.
 * `node_rate_scale` scales the rates of every class (a what-if: a fleet
 * twice as unreliable is 2).
 *
 * Ownership: gp_rates_t owns its class names (gp_rates_destroy); the
 * gp_class_t rows it fills borrow them.
 */
#ifndef GP_RATES_H
#define GP_RATES_H

#include "goodput/inventory.h"
#include "goodput/training.h"
#include "topology/embedded.h"

extern const topo_embedded_t gp_embedded_data[]; /* goodput/data/NAME.json */

/* what an interrupting failure takes out of the job until its repair */
typedef enum { GP_TAKES_NONE, GP_TAKES_SERVER, GP_TAKES_LEAF_SERVERS } gp_takes_t;

typedef struct {
    int32_t n;
    double node_mttf_h;              /* a whole node's, from node_rate_per_1000_days */
    char *name[GP_MAX_CLASSES];
    gp_unit_t unit[GP_MAX_CLASSES];
    double mttf_h[GP_MAX_CLASSES];   /* per unit */
    bool interrupts[GP_MAX_CLASSES];
    gp_takes_t takes[GP_MAX_CLASSES];
    double repair_h[GP_MAX_CLASSES];
} gp_rates_t;

/* Reads the compiled-in failures.json. Errors (TN_EINPUT) name the file
 * and the JSON path. O(classes). */
int gp_rates_load(gp_rates_t *r, tn_error_t *err);
void gp_rates_destroy(gp_rates_t *r);

/* Fills cls[0..r->n) for a fabric's inventory, rates x scale. Classes with
 * no units in this fabric keep their row with 0 units. O(classes). */
void gp_rates_classes(const gp_rates_t *r, const gp_inventory_t *inv, double scale,
                      gp_class_t *cls);

#endif
