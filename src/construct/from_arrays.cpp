// FromArrays' construction (from_arrays.hpp). The columns may hold 10^7 connections:
// they are read in order, each connection written once to its row (a counting sort by
// source), and each row then sorted by post position on its own (rows are short and
// stay in cache; rows already in order, as from columns sorted by pre or post, are not
// sorted). No random reads of the columns.

#include "construct/from_arrays.hpp"

#include <algorithm>
#include <cmath>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {
namespace {

// VP-local index of each post position VP `vp` owns (UINT32_MAX: another VP's).
std::vector<uint32_t> owned_positions(const std::vector<uint64_t>& post, const gid_layout& layout,
                                      const vp_state& st, int vp, int n_vp) {
  const auto nvp = static_cast<uint64_t>(n_vp);
  std::vector<uint32_t> local(post.size(), UINT32_MAX);
  for (std::size_t k = 0; k < post.size(); ++k) {
    const uint64_t g = post[k];
    if (g % nvp != static_cast<uint64_t>(vp)) continue;
    const group_slot& gs = st.groups[layout.population_of(g)];
    local[k] = gs.offset + static_cast<uint32_t>((g - gs.first_gid) / nvp);
  }
  return local;
}

// The rows of this VP's connections: `offsets` by source (relative to pre_lo); for table
// position p, keys[p] = post position << 32 | rank of the connection in its row in
// column order. put(i, p) is called for column entry i going to position p (before
// the rows are sorted).
template <class Put>
void scatter_rows(const connector& c, const std::vector<uint64_t>& pre,
                  const std::vector<uint32_t>& local, uint64_t pre_lo, uint64_t span,
                  std::vector<uint64_t>& offsets, std::vector<uint64_t>& keys, Put put) {
  const std::size_t n = c.pre.size();
  offsets.assign(span + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (local[static_cast<std::size_t>(c.post[i])] != UINT32_MAX)
      ++offsets[pre[static_cast<std::size_t>(c.pre[i])] - pre_lo + 1];
  for (uint64_t s = 0; s < span; ++s) offsets[s + 1] += offsets[s];
  std::vector<uint64_t> fill(offsets.begin(), offsets.end() - 1);
  keys.resize(offsets.back());
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<uint64_t>(c.post[i]);
    if (local[k] == UINT32_MAX) continue;
    const uint64_t row = pre[static_cast<std::size_t>(c.pre[i])] - pre_lo;
    const uint64_t p = fill[row]++;
    keys[p] = k << 32 | (p - offsets[row]);
    put(i, p);
  }
}

// Sorts each row by its keys (post position, then column order) and moves the values
// of `columns` along: move(begin, end, keys) gets the row's sorted keys, whose low
// halves are the old places within the row.
template <class Move>
void sort_rows(const std::vector<uint64_t>& offsets, std::vector<uint64_t>& keys, Move move) {
  for (uint64_t s = 0; s + 1 < offsets.size(); ++s) {
    const auto b = keys.begin() + static_cast<std::ptrdiff_t>(offsets[s]);
    const auto e = keys.begin() + static_cast<std::ptrdiff_t>(offsets[s + 1]);
    if (std::is_sorted(b, e)) continue;
    std::sort(b, e);
    move(offsets[s], offsets[s + 1], keys);
  }
}

// Reorders values[b, e) so that the q-th takes the old place (keys[q] & 0xffffffff).
template <class T>
void permute_row(std::vector<T>& values, uint64_t b, uint64_t e, const std::vector<uint64_t>& keys,
                 std::vector<T>& scratch) {
  scratch.assign(values.begin() + static_cast<std::ptrdiff_t>(b),
                 values.begin() + static_cast<std::ptrdiff_t>(e));
  for (uint64_t q = b; q < e; ++q) values[q] = scratch[keys[q] & 0xffffffffu];
}

}  // namespace

void fill_from_arrays(const connector& c, const std::vector<uint64_t>& pre,
                      const std::vector<uint64_t>& post, const gid_layout& layout,
                      const vp_state& st, int vp, int n_vp, double dt, const std::string& field,
                      projection_table& tab) {
  const std::vector<uint32_t> local = owned_positions(post, layout, st, vp, n_vp);
  const uint64_t span = tab.pre_hi - tab.pre_lo;
  const bool hw = !c.weights.empty(), hd = !c.delays.empty();
  const std::size_t n = c.pre.size();
  // Rows by source (counting sort): one 16-byte record per connection, written to its
  // row's next place (one write stream per row, not one per column).
  tab.offsets.assign(span + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (local[static_cast<std::size_t>(c.post[i])] != UINT32_MAX)
      ++tab.offsets[pre[static_cast<std::size_t>(c.pre[i])] - tab.pre_lo + 1];
  for (uint64_t s = 0; s < span; ++s) tab.offsets[s + 1] += tab.offsets[s];
  struct record {
    uint32_t k;      // post position
    uint32_t delay;  // [steps]
    double weight;
  };
  std::vector<record> recs(tab.offsets.back());
  {
    std::vector<uint64_t> fill(tab.offsets.begin(), tab.offsets.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(c.post[i]);
      if (local[k] == UINT32_MAX) continue;
      record r{static_cast<uint32_t>(k), 0, hw ? c.weights[i] : 0.0};
      if (hd) {
        const double steps = std::round(c.delays[i] / dt);
        if (!(steps < 2147483648.0))
          throw model_error(field + ".connector.delay[" + std::to_string(i) + "]",
                            "delay " + fmt(c.delays[i]) + " ms exceeds 2^31 time steps");
        r.delay = static_cast<uint32_t>(std::max(1.0, steps));
      }
      recs[fill[pre[static_cast<std::size_t>(c.pre[i])] - tab.pre_lo]++] = r;
    }
  }
  // Each row by post position, column order kept among equals (stable): the order
  // from_arrays_columns reproduces.
  // (An unsorted row: its keys k << 32 | place sorted as integers, then the records
  // moved; the scratch vectors are reused from row to row.)
  auto by_k = [](const record& a, const record& b) { return a.k < b.k; };
  std::vector<uint64_t> keys;
  std::vector<record> moved;
  for (uint64_t s = 0; s < span; ++s) {
    const auto b = recs.begin() + static_cast<std::ptrdiff_t>(tab.offsets[s]);
    const auto e = recs.begin() + static_cast<std::ptrdiff_t>(tab.offsets[s + 1]);
    if (std::is_sorted(b, e, by_k)) continue;
    keys.clear();
    for (auto r = b; r != e; ++r)
      keys.push_back(uint64_t{r->k} << 32 | static_cast<uint64_t>(r - b));
    std::sort(keys.begin(), keys.end());
    moved.assign(b, e);
    for (std::size_t q = 0; q < keys.size(); ++q)
      b[static_cast<std::ptrdiff_t>(q)] = moved[keys[q] & 0xffffffffu];
  }
  const std::size_t mine = recs.size();
  tab.targets.resize(mine);
  if (hw) tab.weights.resize(mine);
  if (hd) tab.delays.resize(mine);
  for (std::size_t p = 0; p < mine; ++p) {
    tab.targets[p] = local[recs[p].k];
    if (hw) tab.weights[p] = recs[p].weight;
    if (hd) tab.delays[p] = recs[p].delay;
  }
  tab.finish_rows();
}

std::vector<uint64_t> from_arrays_columns(const connector& c, const std::vector<uint64_t>& pre,
                                          const std::vector<uint64_t>& post,
                                          const gid_layout& layout, const vp_state& st, int vp,
                                          int n_vp, uint64_t pre_lo, uint64_t pre_hi) {
  const std::vector<uint32_t> local = owned_positions(post, layout, st, vp, n_vp);
  std::vector<uint64_t> offsets, keys, cols;
  scatter_rows(c, pre, local, pre_lo, pre_hi - pre_lo, offsets, keys,
               [&](std::size_t i, uint64_t p) {
                 if (cols.size() != keys.size()) cols.resize(keys.size());
                 cols[p] = i;
               });
  std::vector<uint64_t> scratch;
  sort_rows(offsets, keys, [&](uint64_t b, uint64_t e, const std::vector<uint64_t>& k) {
    permute_row(cols, b, e, k, scratch);
  });
  return cols;
}

}  // namespace myelin::detail
