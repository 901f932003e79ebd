#ifndef KAPPA_CNCURSES_SHIM_H
#define KAPPA_CNCURSES_SHIM_H
// SwiftPM drops pkg-config's -D flags, so the wide-character API (wget_wch, cchar_t) is enabled here.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/ncurses.h>
#include <locale.h>

// Macros Swift cannot import, and globals Swift 6 rejects as shared mutable state.
static inline WINDOW *kappa_stdscr(void) { return stdscr; }
static inline int kappa_colors(void) { return COLORS; }
static inline int kappa_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int kappa_attr_bold(void) { return (int)A_BOLD; }
static inline int kappa_attr_reverse(void) { return (int)A_REVERSE; }
static inline int kappa_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int kappa_attr_normal(void) { return (int)A_NORMAL; }
static inline void kappa_getmaxyx(WINDOW *win, int *y, int *x) { getmaxyx(win, *y, *x); }
static inline int kappa_set_attrs(WINDOW *win, int attrs) { return wattrset(win, attrs); }
#endif
