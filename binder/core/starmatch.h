/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Patterns whose only wildcard is '*' (any run of characters, '/'
 * included, possibly empty); every other character, '?', '[' and '\'
 * included, stands for itself. The permission rules (perm.h) compare with
 * case, the event handlers of v3 apis without.
 *
 * Cost: O(length of pattern x length of text) at worst (no backtracking
 * beyond the last '*'), no allocation, no recursion.
 */
#pragma once

/* 1 when 'pattern' matches the whole of 'text', else 0. */
int starmatch(const char *pattern, const char *text);

/* The same, ASCII letters compared ignoring case. */
int starmatch_casefold(const char *pattern, const char *text);
