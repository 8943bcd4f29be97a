#include <libaec.h>
