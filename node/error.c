/* error.c - names and messages of the uccn error codes, generated from UCCN_ERRNO_MAP. */
#include <uccn/error.h>

const char *uccn_strerror(int err) {
	switch (err) {
	case UCCN_OK:
		return "success";
#define XX(name, num, msg) \
	case UCCN_##name:  \
		return msg;
		UCCN_ERRNO_MAP(XX)
#undef XX
	}
	return "unknown error";
}

const char *uccn_err_name(int err) {
	switch (err) {
	case UCCN_OK:
		return "UCCN_OK";
#define XX(name, num, msg) \
	case UCCN_##name:  \
		return "UCCN_" #name;
		UCCN_ERRNO_MAP(XX)
#undef XX
	}
	return "UCCN_EUNKNOWN";
}
