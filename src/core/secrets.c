/* Sealing account secrets with libsodium, and where the sealing key comes
 * from: LEADGEN_SECRET, or a generated secret kept in a key file beside (never
 * inside) the store. */
#include "core/secrets.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FILE_SECRET_MAX = 512 };

static const char meta_key[] = "secret"; /* where versions before the key file kept it */
static const char *configured_secret, *configured_file;
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static char file_secret[FILE_SECRET_MAX + 1]; /* "" until the key file is read */

void secrets_configure(const char *secret, const char *key_file)
{
    pthread_mutex_lock(&file_lock);
    configured_secret = secret;
    configured_file = key_file;
    sodium_memzero(file_secret, sizeof file_secret);
    pthread_mutex_unlock(&file_lock);
}

char *secrets_default_file(const char *db)
{
    if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0)
        return NULL;
    size_t n = strlen(db);
    const char *slash = strrchr(db, '/'), *dot = strrchr(db, '.');
    if (dot && (!slash || dot > slash + 1)) n = (size_t)(dot - db);
    char *path = xmalloc(n + sizeof ".key");
    memcpy(path, db, n);
    memcpy(path + n, ".key", sizeof ".key");
    return path;
}

/* The file's secret (surrounding white space dropped) into out; RC_NOT_FOUND
 * when there is no file. */
static enum rc read_key_file(const char *path, char out[FILE_SECRET_MAX + 1], struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return RC_NOT_FOUND;
    if (fd < 0)
        return err_set(err, RC_IO, "cannot read the key file %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
        log_warn("the key file %s can be read by other users: chmod 600 it", path);
    char buf[FILE_SECRET_MAX + 2];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got < 0)
        return err_set(err, RC_IO, "cannot read the key file %s: %s", path, strerror(errno));
    size_t start = 0, end = (size_t)got;
    while (start < end && strchr(" \t\r\n", buf[start])) start++;
    while (end > start && strchr(" \t\r\n", buf[end - 1])) end--;
    enum rc rc = RC_OK;
    if ((size_t)got > FILE_SECRET_MAX || end - start < 16)
        rc = err_set(err, RC_INVALID, "the key file %s must hold one secret of 16 to %d characters",
                     path, FILE_SECRET_MAX);
    else
        memcpy(out, buf + start, end - start), out[end - start] = '\0';
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* Creates path (0600) holding secret, atomically: a process starting at the
 * same time either sees no file or the whole of it, and the first one wins. */
static enum rc create_key_file(const char *path, const char *secret, struct err *err)
{
    size_t n = strlen(path);
    char *tmp = xmalloc(n + 32);
    snprintf(tmp, n + 32, "%s.%ld.tmp", path, (long)getpid());
    enum rc rc = RC_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t len = strlen(secret);
    if (fd < 0 || write(fd, secret, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0)
        rc = err_set(err, RC_IO, "cannot write the key file %s: %s", tmp, strerror(errno));
    if (fd >= 0) close(fd);
    if (rc == RC_OK && link(tmp, path) != 0 && errno != EEXIST)
        rc = err_set(err, RC_IO, "cannot create the key file %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return rc;
}

/* The key file's secret into file_secret: read, or created on first use from
 * the secret an older version kept in the store's meta table (then removed
 * from the store) or from a fresh one. Caller holds file_lock. */
static enum rc load_key_file(struct store *st, struct err *err)
{
    const char *path = configured_file;
    struct arena a;
    arena_init(&a);
    char *stored = NULL;
    enum rc rc = st->ops->meta_get(st, meta_key, &a, &stored, err);
    if (rc == RC_NOT_FOUND) stored = NULL, rc = RC_OK;
    if (rc == RC_OK) rc = read_key_file(path, file_secret, err);
    if (rc == RC_NOT_FOUND) {
        char fresh[65];
        str_random_hex(32, fresh);
        rc = create_key_file(path, stored ? stored : fresh, err);
        sodium_memzero(fresh, sizeof fresh);
        if (rc == RC_OK) rc = read_key_file(path, file_secret, err); /* ours, or a racer's */
        if (rc == RC_OK && !stored) log_info("generated the sealing key into %s", path);
    }
    if (rc == RC_OK && stored && strcmp(stored, file_secret) != 0)
        rc = err_set(err, RC_INVALID,
                     "the store holds a generated sealing secret that differs from the key in "
                     "%s: move that file away to have the store's secret moved into it",
                     path);
    if (rc == RC_OK && stored) {
        rc = st->ops->meta_delete(st, meta_key, err);
        if (rc == RC_OK)
            log_info("moved the generated sealing key out of the store into %s; back it up "
                     "with the store",
                     path);
    }
    if (stored) sodium_memzero(stored, strlen(stored));
    if (rc != RC_OK) sodium_memzero(file_secret, sizeof file_secret);
    arena_cleanup(&a);
    return rc;
}

/* The secret the key derives from, copied into out. */
static enum rc master_secret(struct store *st, char out[FILE_SECRET_MAX + 1], struct err *err)
{
    pthread_mutex_lock(&file_lock);
    enum rc rc = RC_OK;
    if (configured_secret && *configured_secret)
        snprintf(out, FILE_SECRET_MAX + 1, "%s", configured_secret);
    else if (!configured_file)
        rc = err_set(err, RC_INVALID,
                     "LEADGEN_SECRET_FILE is not set: with a PostgreSQL store, name a file "
                     "outside the database for the generated sealing key (or set LEADGEN_SECRET)");
    else if (!*file_secret)
        rc = load_key_file(st, err);
    if (rc == RC_OK && !(configured_secret && *configured_secret))
        memcpy(out, file_secret, FILE_SECRET_MAX + 1);
    pthread_mutex_unlock(&file_lock);
    return rc;
}

enum rc secrets_key(struct store *st, unsigned char key[SECRETS_KEY_LEN], struct err *err)
{
    char secret[FILE_SECRET_MAX + 1];
    enum rc rc = master_secret(st, secret, err);
    if (rc == RC_OK) {
        unsigned char master[crypto_kdf_KEYBYTES];
        crypto_generichash(master, sizeof master, (const unsigned char *)secret, strlen(secret),
                           NULL, 0);
        crypto_kdf_derive_from_key(key, SECRETS_KEY_LEN, 1, "accounts", master);
        sodium_memzero(master, sizeof master);
    }
    sodium_memzero(secret, sizeof secret);
    return rc;
}

enum rc secrets_prepare(struct store *st, struct err *err)
{
    unsigned char key[SECRETS_KEY_LEN];
    struct arena a;
    arena_init(&a);
    struct account acc;
    enum rc rc = secrets_key(st, key, err);
    if (rc == RC_OK) rc = st->ops->account_sealed_one(st, &a, &acc, err);
    if (rc == RC_OK) {
        char *context = arena_sprintf(&a, "account:%lld:%s:%s", (long long)acc.user_id,
                                      acc.type, acc.address);
        char *plain = NULL;
        if (secrets_open(key, acc.secret, context, &plain, NULL) == RC_OK) {
            sodium_memzero(plain, strlen(plain));
            free(plain);
        } else {
            rc = err_set(err, RC_INVALID,
                         "the sealing key (from %s%s) does not open the secrets stored for "
                         "sending accounts (account %lld, %s): restore the key file taken with "
                         "this store's backup, or set LEADGEN_SECRET to the value used before",
                         configured_secret && *configured_secret ? "LEADGEN_SECRET" : "",
                         configured_secret && *configured_secret ? "" : configured_file,
                         (long long)acc.id, acc.address);
        }
    }
    if (rc == RC_NOT_FOUND) rc = RC_OK; /* no sealed secret yet: any key will do */
    sodium_memzero(key, sizeof key);
    arena_cleanup(&a);
    return rc;
}

char *secrets_seal(const unsigned char key[SECRETS_KEY_LEN], const char *plain,
                   const char *context)
{
    size_t n = strlen(plain);
    size_t total = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
                   crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *sealed = xmalloc(total);
    randombytes_buf(sealed, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, (const unsigned char *)plain,
        n, (const unsigned char *)context, strlen(context), NULL, sealed, key);
    char *hex = xmalloc(total * 2 + 1);
    str_hex(sealed, total, hex);
    free(sealed);
    return hex;
}

enum rc secrets_open(const unsigned char key[SECRETS_KEY_LEN], const char *sealed,
                     const char *context, char **plain, struct err *err)
{
    size_t hexlen = strlen(sealed), n = hexlen / 2;
    size_t min = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *raw = xmalloc(n + 1);
    size_t got = 0;
    enum rc rc = RC_INVALID;
    if (sodium_hex2bin(raw, n, sealed, hexlen, NULL, &got, NULL) == 0 && got == n && n >= min) {
        size_t mlen_max = n - min;
        unsigned char *m = xmalloc(mlen_max + 1);
        unsigned long long mlen;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                m, &mlen, NULL, raw + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)context,
                strlen(context), raw, key) == 0) {
            m[mlen] = '\0';
            *plain = (char *)m;
            rc = RC_OK;
        } else {
            free(m);
        }
    }
    free(raw);
    if (rc != RC_OK)
        err_set(err, RC_INVALID, "stored secret does not open (was LEADGEN_SECRET changed?)");
    return rc;
}
