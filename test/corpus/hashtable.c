// An open-addressing hash table of strings with deletions and growth, and hsearch from the C library.
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

typedef struct { char *key; int val; int state; } slot;
static slot *tab;
static size_t cap = 16, used;

static uint32_t hash(const char *s) { uint32_t h = 2166136261u; while (*s) h = (h ^ (unsigned char)*s++) * 16777619u; return h; }

static void put(const char *k, int v);
static void grow(void) {
  slot *old = tab; size_t oc = cap;
  cap *= 2; tab = calloc(cap, sizeof *tab); used = 0;
  for (size_t i = 0; i < oc; i++) if (old[i].state == 1) { put(old[i].key, old[i].val); free(old[i].key); }
  free(old);
}
static void put(const char *k, int v) {
  if ((used + 1) * 4 > cap * 3) grow();
  size_t i = hash(k) & (cap - 1);
  while (tab[i].state == 1 && strcmp(tab[i].key, k)) i = (i + 1) & (cap - 1);
  if (tab[i].state != 1) { tab[i].key = strdup(k); tab[i].state = 1; used++; }
  tab[i].val = v;
}
static int *get(const char *k) {
  size_t i = hash(k) & (cap - 1);
  while (tab[i].state) { if (tab[i].state == 1 && !strcmp(tab[i].key, k)) return &tab[i].val; i = (i + 1) & (cap - 1); }
  return 0;
}
static void del(const char *k) {
  size_t i = hash(k) & (cap - 1);
  while (tab[i].state) { if (tab[i].state == 1 && !strcmp(tab[i].key, k)) { free(tab[i].key); tab[i].state = 2; return; } i = (i + 1) & (cap - 1); }
}

int main(void) {
  tab = calloc(cap, sizeof *tab);
  char k[32];
  for (int i = 0; i < 2000; i++) { snprintf(k, sizeof k, "key%d", i * 7919 % 30011); put(k, i); }
  for (int i = 0; i < 2000; i += 3) { snprintf(k, sizeof k, "key%d", i * 7919 % 30011); del(k); }
  long found = 0, sum = 0;
  for (int i = 0; i < 30011; i += 13) { snprintf(k, sizeof k, "key%d", i); int *v = get(k); if (v) { found++; sum += *v; } }
  printf("cap=%zu found=%ld sum=%ld\n", cap, found, sum);
  hcreate(100);
  const char *words[] = { "alpha", "beta", "gamma", "delta" };
  for (int i = 0; i < 4; i++) { ENTRY e = { (char *)words[i], (void *)(intptr_t)(i * 10) }; hsearch(e, ENTER); }
  ENTRY q = { "gamma", 0 };
  ENTRY *r = hsearch(q, FIND);
  printf("hsearch gamma=%ld\n", r ? (long)(intptr_t)r->data : -1L);
  q.key = "omega";
  printf("hsearch omega=%s\n", hsearch(q, FIND) ? "found" : "missing");
  return 0;
}
