#pragma once
// The interpreter of compiled expressions (docs/equations.md, "Interpreter"): expression
// DAGs compiled into a register program whose every instruction works on a block of
// cells at once (a plain loop over the block that the compiler vectorises), so the
// per-instruction dispatch is paid once per block, not per cell. Registers are blocks of
// doubles, reused as soon as their value is dead; columns of the cell group are read and
// written in place.

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "equations/expr.hpp"

namespace myelin::detail::eq {

/// Cells per block: 64 doubles per register.
constexpr int block = 64;

/// A column as the program sees it: n values, or one value for every cell (t, dt).
struct column_ref {
  double* data = nullptr;
  bool uniform = false;
};

struct instr {
  uint8_t k;            // op, or op_move
  uint16_t d, a, b, c;  // slots: < registers: a register; else column (slot - registers)
};

class program {
 public:
  program() = default;
  /// Compiles `outputs` (node, column index it is written to). `column_of(sym)` gives
  /// the column index of a symbol. Output columns are written after every input has
  /// been read, so a state may be read and written by the same program.
  program(const pool& p, const std::vector<std::pair<node_id, int>>& outputs,
          const std::function<int(int)>& column_of, int n_columns);

  /// Runs over cells [begin, end). `cols` has n_columns entries; `scratch` has
  /// scratch_size() doubles (the constants' registers filled by init_scratch).
  void run(const column_ref* cols, std::size_t begin, std::size_t end, double* scratch) const;
  std::size_t scratch_size() const { return static_cast<std::size_t>(registers_) * block; }
  void init_scratch(double* scratch) const;
  std::size_t instructions() const { return code_.size(); }
  int registers() const { return registers_; }

 private:
  std::vector<instr> code_;
  std::vector<std::pair<int, double>> constants_;  // register, value
  int registers_ = 0;
  int n_columns_ = 0;
};

}  // namespace myelin::detail::eq
