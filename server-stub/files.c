/* GET/HEAD /files/NAME with Range, ETag (the file's SHA-256) and
 * If-None-Match. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api.h"
#include "hashcache.h"
#include "range.h"

/* 1 if no segment is longer than NAME_MAX and the whole is below
 * PATH_MAX: longer names cannot exist, and the kernel would say so with
 * ENAMETOOLONG, which is not a server error. */
static int name_fits(const char *name)
{
	if (strlen(name) >= PATH_MAX)
		return 0;
	for (const char *seg = name; seg;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		if (n > NAME_MAX)
			return 0;
		seg = slash ? slash + 1 : NULL;
	}
	return 1;
}

int files_open(int dirfd, const char *name, int *fd, struct stat *st)
{
	if (!files_name_is_safe(name))
		return -EINVAL;
	if (!name_fits(name))
		return -ENAMETOOLONG;
	/* The kernel keeps the lookup below dirfd: a symbolic link (or a
	 * ".." inside one) that leads out fails with EXDEV, whatever the
	 * files directory holds. Links that stay inside are followed. */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int f = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (f < 0)
		return -errno;
	if (fstat(f, st) < 0) {
		int e = errno;
		close(f);
		return -e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(f);
		return -ENOENT; /* directories and devices are not files to serve */
	}
	*fd = f;
	return 0;
}

int files_sha256(int dirfd, const char *name, char hex[static SHA256_HEX_LEN],
		 char *why, size_t whylen)
{
	struct stat st;
	int fd;
	int rc = files_open(dirfd, name, &fd, &st);
	if (rc < 0) {
		snprintf(why, whylen, "file '%s': %s", name,
			 rc == -EINVAL ? "not a safe relative name" :
			 rc == -EXDEV ? "leads outside the files directory" : strerror(-rc));
		return -1;
	}
	rc = sha256_fd_cached(fd, &st, hex);
	if (rc < 0)
		snprintf(why, whylen, "file '%s': read: %s", name, strerror(errno));
	close(fd);
	return rc;
}

/* If-None-Match: "*" or a list that holds our tag (weak or strong). */
static int etag_listed(const char *header, const char *etag)
{
	if (!header)
		return 0;
	if (!strcmp(header, "*"))
		return 1;
	return strstr(header, etag) != NULL;
}

static void add_file_headers(struct MHD_Response *resp, const char *etag, const struct stat *st,
			     int immutable)
{
	char date[64];
	struct tm tm;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	/* /cas/ URLs name the content: it never changes under them. Plain
	 * names are revalidated (the ETag makes that cheap). */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				immutable ? "public, max-age=31536000, immutable" : "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	gmtime_r(&st->st_mtime, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
}

/* Takes fd: the response owns it from here on. */
static enum MHD_Result reply_file(struct request *rq, unsigned status, int fd, const struct stat *st,
				  const char *etag, uint64_t first, uint64_t len, int immutable)
{
	struct MHD_Response *resp;
	char content_range[96];

	if (len == 0) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_fd_at_offset64(len, fd, (int64_t)first);
		if (!resp)
			close(fd);
	}
	if (!resp)
		return MHD_NO;
	add_file_headers(resp, etag, st, immutable);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	if (status == MHD_HTTP_PARTIAL_CONTENT) {
		snprintf(content_range, sizeof(content_range), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
			 first, first + len - 1, (uint64_t)st->st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, content_range);
	}
	return reply_queue(rq, status, resp, len);
}

static enum MHD_Result reply_unsatisfiable(struct request *rq, const struct stat *st)
{
	char content_range[64], text[] = "range not satisfiable\n";
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(sizeof(text) - 1, text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	snprintf(content_range, sizeof(content_range), "bytes */%" PRIu64, (uint64_t)st->st_size);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, content_range);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	return reply_queue(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp, sizeof(text) - 1);
}

static enum MHD_Result reply_not_modified(struct request *rq, const char *etag,
					  const struct stat *st, int immutable)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_file_headers(resp, etag, st, immutable);
	return reply_queue(rq, MHD_HTTP_NOT_MODIFIED, resp, 0);
}

/* want: the SHA-256 the URL names (/cas/), or NULL for /files/. */
static enum MHD_Result serve(struct request *rq, const char *name, const char *want)
{
	struct stat st;
	char hex[SHA256_HEX_LEN], etag[SHA256_HEX_LEN + 10];
	uint64_t first = 0, len;
	int fd;

	if (strcmp(rq->method, MHD_HTTP_METHOD_GET) && strcmp(rq->method, MHD_HTTP_METHOD_HEAD))
		return reply_method_not_allowed(rq, "GET, HEAD");
	int rc = files_open(rq->srv->files_dirfd, name, &fd, &st);
	if (rc == -EINVAL)
		return reply_text(rq, MHD_HTTP_BAD_REQUEST,
				  "file names are relative, without '.', '..', empty segments or "
				  "control characters");
	if (rc == -ENAMETOOLONG)
		return reply_text(rq, MHD_HTTP_URI_TOO_LONG,
				  "file name too long (segments up to %d bytes, %d in all)", NAME_MAX,
				  PATH_MAX - 1);
	if (rc == -EXDEV)
		return reply_text(rq, MHD_HTTP_FORBIDDEN,
				  "file name leads outside the files directory (symbolic link)");
	if (rc == -ENOSYS)
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "openat2 is not supported by this kernel (Linux 5.6 or later needed)");
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -ELOOP)
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such file");
	if (rc == -EACCES)
		return reply_text(rq, MHD_HTTP_FORBIDDEN, "file not readable");
	if (rc < 0)
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "open: %s", strerror(-rc));
	if (sha256_fd_cached(fd, &st, hex) < 0) {
		int e = errno;
		close(fd);
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "read: %s", strerror(e));
	}
	snprintf(etag, sizeof(etag), "\"sha256-%s\"", hex);
	int immutable = want != NULL;
	if (want && strcmp(want, hex)) {
		close(fd);
		return reply_text(rq, MHD_HTTP_NOT_FOUND,
				  "%s has other content now (sha256 %.12s...): ask the backend again",
				  name, hex);
	}

	if (etag_listed(request_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
		close(fd);
		return reply_not_modified(rq, etag, &st, immutable);
	}
	/* If-Range with anything but our current tag: the client's partial
	 * copy is stale, so it gets the whole file. */
	const char *range = request_header(rq, MHD_HTTP_HEADER_RANGE);
	const char *if_range = request_header(rq, MHD_HTTP_HEADER_IF_RANGE);
	if (if_range && strcmp(if_range, etag))
		range = NULL;
	switch (range_parse(range, (uint64_t)st.st_size, &first, &len)) {
	case RANGE_OK:
		request_note(rq, "range=%" PRIu64 "-%" PRIu64, first, first + len - 1);
		return reply_file(rq, MHD_HTTP_PARTIAL_CONTENT, fd, &st, etag, first, len, immutable);
	case RANGE_UNSATISFIABLE:
		close(fd);
		return reply_unsatisfiable(rq, &st);
	case RANGE_NONE:
		break;
	}
	return reply_file(rq, MHD_HTTP_OK, fd, &st, etag, 0, (uint64_t)st.st_size, immutable);
}

enum MHD_Result files_serve(struct request *rq, const char *name)
{
	return serve(rq, name, NULL);
}

enum MHD_Result files_serve_cas(struct request *rq, const char *rest)
{
	char want[SHA256_HEX_LEN];
	size_t i;
	for (i = 0; i < 64 && ((rest[i] >= '0' && rest[i] <= '9') || (rest[i] >= 'a' && rest[i] <= 'f'));
	     i++)
		want[i] = rest[i];
	if (i != 64 || rest[64] != '/')
		return reply_text(rq, MHD_HTTP_NOT_FOUND,
				  "content URLs are /cas/<64 lower-case hex digits>/NAME");
	want[64] = '\0';
	return serve(rq, rest + 65, want);
}
