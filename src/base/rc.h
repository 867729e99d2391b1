/* Return codes and the first-error-wins error record used across leadgen.
 * Every fallible function returns an enum rc and, when given a struct err,
 * records why; the first message set is kept so the root cause survives. */
#ifndef LEADGEN_BASE_RC_H
#define LEADGEN_BASE_RC_H

enum rc {
    RC_OK = 0,
    RC_INVALID,    /* caller input is wrong */
    RC_NOT_FOUND,  /* the thing asked for does not exist (for this user) */
    RC_CONFLICT,   /* a uniqueness rule was broken */
    RC_NO_CREDITS, /* the balance is zero */
    RC_DB,         /* the store could not be read or written */
    RC_UPSTREAM,   /* an outside service failed or timed out */
    RC_IO,         /* a local file or socket failed */
    RC_FORBIDDEN,  /* refused by policy (e.g. a private address for a user-supplied URL) */
};

struct err {
    enum rc rc;
    char msg[256];
};

/* Records rc and the formatted message unless an error is already recorded;
 * returns rc so callers can write `return err_set(err, RC_DB, "...")`.
 * err may be NULL. */
enum rc err_set(struct err *err, enum rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records src into dst (first wins, like err_set); returns src->rc. Lets a
 * caller translate one failure (e.g. a constraint into a friendly message)
 * while passing every other failure on unchanged. */
enum rc err_copy(struct err *dst, const struct err *src);

const char *rc_name(enum rc rc);

#endif
