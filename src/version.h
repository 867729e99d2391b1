/* The release this binary is: `leadgen --version`, the refusal of a store
 * a newer release has migrated. */
#ifndef LEADGEN_VERSION_H
#define LEADGEN_VERSION_H

#ifndef LEADGEN_VERSION
#define LEADGEN_VERSION "1.0.0"
#endif

#endif
