/* Internals shared by script.c (pure parsing), script_exec.c (the
 * interpreter) and script_cmds.c (the command table). Not for other modules. */
#ifndef SNBOOT_SCRIPT_INT_H
#define SNBOOT_SCRIPT_INT_H

#include <limits.h>
#include <stddef.h>

#include "script/script.h"

#define SCRIPT_VAR_DEPTH_MAX   16u   /* ${a${b${c}}} */
#define SCRIPT_MENUS_MAX       4u
#define SCRIPT_MENU_ITEMS_MAX  64u
#define SCRIPT_LABEL_MAX       64u

/* ---- script.c: programs, words, expansion, URLs (pure) */

/* One logical line: continuations joined, CR stripped, label split off. */
struct script_line {
	const char *text;        /* the command part, NUL-terminated */
	const char *label;       /* ":label" without the colon, or NULL */
	unsigned lineno;         /* first physical line, from 1 */
};

struct script_program {
	char *buf;               /* owns every line's text */
	struct script_line *lines;
	size_t n_lines;
};

int script_program_parse(const char *text, size_t len,
			 struct script_program *p, struct sn_err *e);
void script_program_free(struct script_program *p);
/* Index of the first line labelled label, or -1. */
long script_program_find_label(const struct script_program *p, const char *label);

/* Splits line in place at whitespace into words[]; *n gets the count. */
int script_split_words(char *line, char **words, size_t max, size_t *n,
		       struct sn_err *e);

enum script_term { SCRIPT_TERM_END, SCRIPT_TERM_OR, SCRIPT_TERM_AND, SCRIPT_TERM_SEQ };
/* Words of the next command: up to "||", "&&", ";" or a "#" comment.
 * *term tells what follows (END after a comment or the last word). */
size_t script_command_len(char *const *words, size_t n, enum script_term *term);

/* "[scope/]name[:type]" → key "scope/name"; *type (may be NULL) gets the
 * type, SCRIPT_TYPE_AUTO when none is given. */
enum script_type;
int script_setting_key(const char *text, char *key, size_t key_size,
		       enum script_type *type, struct sn_err *e);

/* ---- script_types.c: setting types (iPXE's settings.c) */

enum script_type {
	SCRIPT_TYPE_AUTO = 0,    /* no type given / a name snboot does not know */
	SCRIPT_TYPE_STRING, SCRIPT_TYPE_URISTRING, SCRIPT_TYPE_IPV4, SCRIPT_TYPE_IPV6,
	SCRIPT_TYPE_INT8, SCRIPT_TYPE_INT16, SCRIPT_TYPE_INT32,
	SCRIPT_TYPE_UINT8, SCRIPT_TYPE_UINT16, SCRIPT_TYPE_UINT32,
	SCRIPT_TYPE_UUID, SCRIPT_TYPE_GUID, SCRIPT_TYPE_BUSDEVFN,
	SCRIPT_TYPE_HEX, SCRIPT_TYPE_HEXHYP, SCRIPT_TYPE_HEXRAW, SCRIPT_TYPE_BASE64,
};

/* 0 and *type for a type name ("hex"), -1 if unknown. */
int script_type_find(const char *name, enum script_type *type);
/* The type of a setting snboot fills in ("netmask": ipv4), AUTO if none. */
enum script_type script_native_type(const char *bare_name);
/* value (the text of bare_name's native type) shown as type; AUTO inserts
 * it as it is. A value that cannot be shown so gives "" (iPXE). -1 if out
 * is too small. */
int script_format_setting(const char *bare_name, const char *value,
			  enum script_type stored, enum script_type type, char *out,
			  size_t size);
/* `set name:type value` keeps the type (iPXE stores typed values), so
 * ${name:string} of `set cls:hex 1b:5b:4a` is those three bytes. stored
 * overrides the native type of the name; AUTO keeps it. */
int script_set_typed(struct script_settings *s, const char *name, const char *value,
		     enum script_type type);
/* As script_get; *type gets the type it was set with (AUTO if none). */
const char *script_get_typed(const struct script_settings *s, const char *name,
			     enum script_type *type);

/* Joins words with single spaces into out (NUL-terminated). */
int script_join_words(int argc, char *const *argv, char *out, size_t size);

/* Last path component of url (no query, no fragment), "" if none. */
void script_url_basename(const char *url, char *out, size_t size);

/* ---- script_exec.c: the interpreter's state, used by the commands */

struct script_image {
	char name[SCRIPT_IMAGE_NAME_MAX];
	int fd;
	char *args;              /* command line, malloc'd, NULL when none */
	int selected;            /* the kernel `boot` will start */
};

struct script_menu_item {
	char label[SCRIPT_LABEL_MAX];
	char text[128];
	int is_default;
};

struct script_menu {
	int used;
	char name[SCRIPT_LABEL_MAX];
	size_t n_items;
	struct script_menu_item items[SCRIPT_MENU_ITEMS_MAX];
};

struct script_frame {
	struct script_program prog;
	size_t pc;                           /* next line to run */
	unsigned lineno;                     /* line being run */
	unsigned depth;                      /* 0: the backend's script */
	char name[64];                       /* file name of a chained script */
	char base_url[SCRIPT_URL_MAX];
	char line[SCRIPT_LINE_MAX + 1];      /* writable copy, split into words */
	char *words[SCRIPT_WORDS_MAX];
	char *argv[SCRIPT_WORDS_MAX + 1];
	char arena[SCRIPT_EXPAND_MAX];       /* expanded words of one command */
};

/* A download started ahead of its line (script_prefetch.h). */
#define SCRIPT_PREFETCH_MAX SCRIPT_IMAGES_MAX
struct script_prefetch {
	size_t line;             /* its line: index in pf_frame's program */
	void *handle;            /* ops->prefetch_start's */
	char *key;               /* script_prefetch_key */
};

enum script_stop {
	SCRIPT_STOP_NONE = 0,
	SCRIPT_STOP_LINE,        /* goto: skip the rest of this line */
	SCRIPT_STOP_FRAME,       /* chain --replace: this script is done */
	SCRIPT_STOP_ALL,         /* an outcome is decided */
};

struct script_ctx {
	const struct script_ops *ops;
	void *arg;
	struct script_settings *settings;
	struct script_result *res;
	struct script_frame *frame;          /* innermost script */
	const char *cmd;                     /* command being run, for messages */
	struct script_image images[SCRIPT_IMAGES_MAX];
	size_t n_images;
	struct script_menu menus[SCRIPT_MENUS_MAX];
	int last_menu;                       /* index, -1 if none */
	unsigned steps;
	enum script_stop stop;
	int boot_failed;                     /* the latest failure was a boot */
	int exited;                          /* exit ran in a chained script */
	int exit_status;                     /* ...with this status */
	struct script_prefetch pf[SCRIPT_PREFETCH_MAX];  /* lines ahead, in order */
	size_t n_pf;
	const struct script_frame *pf_frame; /* the frame of the line running */
	size_t pf_next;                      /* the index of the line after it */
	int pf_dry;                          /* a later line runs only to start its download */
	size_t pf_dry_line;                  /* ...that line */
	const char *pf_beside;               /* URL of the line running, for the log */
};

void script_log(struct script_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the whole run with outcome; reason is printf-style. */
void script_finish(struct script_ctx *c, enum script_outcome outcome,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepends printf-style text to e's context. */
void script_err_prefix(struct sn_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int script_resolve(struct script_ctx *c, const char *ref, char *out,
		   size_t size, struct sn_err *e);
struct script_image *script_image_find(struct script_ctx *c, const char *name);
void script_image_free(struct script_ctx *c, struct script_image *img);
void script_images_free_all(struct script_ctx *c);
int script_image_set_args(struct script_image *img, int argc, char *const *argv,
			  struct sn_err *e);
/* Downloads ref (or, failing that, one of its n_mirrors mirror refs, each
 * resolved like ref) and registers it (replacing one of the same name).
 * select makes it the kernel, freeing the kernel selected before. */
int script_image_fetch(struct script_ctx *c, const char *ref, const char *name,
		       const char *sha256, const char *const *mirrors, size_t n_mirrors,
		       int argc, char *const *argv, int select,
		       struct script_image **out, struct sn_err *e);

int script_boot(struct script_ctx *c, struct script_image *kernel,
		struct sn_err *e);
/* chain/boot <uri>: a registered image by that name is booted; a script
 * is run nested; anything else is fetched again and booted as a kernel. */
int script_chain(struct script_ctx *c, const char *ref, const char *name,
		 const char *sha256, int argc, char *const *argv, int replace,
		 struct sn_err *e);
int script_goto(struct script_ctx *c, const char *label, struct sn_err *e);

/* exit [status]: ends the script it runs in (the chain that ran it sees
 * the status); in the first script it ends the run with SCRIPT_EXIT. */
void script_exit(struct script_ctx *c, int status);

/* ---- script_cpio.c: initrds wrapped into a newc cpio entry (iPXE) */

/* The headers (parent directories with mkdir=, then the file) for an
 * initrd whose arguments are args ("/etc/x.conf mode=600") and whose file
 * has filesize bytes, into out; *len gets their length (a multiple of 4).
 * The file's bytes follow, padded to 4. */
int script_cpio_headers(const char *args, size_t filesize, char *out, size_t size,
			size_t *len, struct sn_err *e);

/* ---- script_opts.c: declarative options and the command lookup */

/* Room for any command's option struct; each file checks its own. */
#define SCRIPT_OPTS_MAX 128u
#define OPTS_FIT(type) _Static_assert(sizeof(type) <= SCRIPT_OPTS_MAX, #type " too big")
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OPT(lname, ch, value, type, field, fn) \
	{ lname, ch, value, offsetof(type, field), fn }
#define CMD(nm, fn, optv, mn, mx, use, sum) \
	{ { nm, use, sum, 1 }, fn, optv, ARRAY_LEN(optv), mn, mx }
#define CMD0(nm, fn, mn, mx, use, sum) \
	{ { nm, use, sum, 1 }, fn, NULL, 0, mn, mx }
#define UNSUPPORTED(nm) { { nm, NULL, "iPXE command snboot does not support", 0 }, \
			  NULL, NULL, 0, 0, 0 }
#define MANY INT_MAX

/* For options whose default is not 0: remembers that it was given. */
struct opt_uint {
	unsigned value;
	int given;
};

/* A repeatable option (--mirror=URL --mirror=URL): the values in order. */
struct opt_list {
	const char *v[SCRIPT_MIRRORS_MAX];
	unsigned n;
};

/* Option value parsers: text into the field at field. */
int script_parse_flag(const char *text, void *field, struct sn_err *e);
int script_parse_string(const char *text, void *field, struct sn_err *e);
int script_parse_uint(const char *text, void *field, struct sn_err *e);
int script_parse_opt_uint(const char *text, void *field, struct sn_err *e);
int script_parse_sha256(const char *text, void *field, struct sn_err *e);
/* Appends to a struct opt_list; more than SCRIPT_MIRRORS_MAX values or an
 * empty one is an error. */
int script_parse_list(const char *text, void *field, struct sn_err *e);
int script_parse_key(const char *text, void *field, struct sn_err *e);
/* Decimal, or hex with 0x (iPXE's parse_integer), up to max. */
int script_parse_ulong(const char *text, unsigned long max, unsigned long *out,
		       struct sn_err *e);
/* Stores value under "[scope/]name[:type]" (the type is kept). */
int script_set_setting(struct script_ctx *c, const char *name, const char *value,
		       struct sn_err *e);
/* Joins words with single spaces; E0810 when they do not fit. */
int script_join_args(int argc, char *const *argv, char *out, size_t size,
		     struct sn_err *e);

/* ---- script_cmds*.c: the command tables */

struct script_opt {
	const char *name;        /* long name, "--name" */
	char letter;             /* short name, "-n", or 0 */
	int has_value;
	size_t offset;           /* field in the command's option struct */
	int (*parse)(const char *text, void *field, struct sn_err *e);
};

struct script_cmd {
	struct script_cmd_info info;
	int (*exec)(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e);
	const struct script_opt *opts;
	size_t n_opts;
	int min_args, max_args;  /* positional arguments after the options */
};

extern const struct script_cmd script_cmds_flow[], script_cmds_image[],
	script_cmds_net[], script_cmds_menu[];
extern const size_t script_cmds_flow_n, script_cmds_image_n, script_cmds_net_n,
	script_cmds_menu_n;

const struct script_cmd *script_cmd_find(const char *name);
/* Parses options and runs the command argv[0]. */
int script_cmd_exec(struct script_ctx *c, int argc, char **argv,
		    struct sn_err *e);

#endif
