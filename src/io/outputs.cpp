// The public face of the output rules (include/myelin/outputs.hpp) over io/transaction.hpp.

#include "myelin/outputs.hpp"

#include "io/transaction.hpp"

namespace myelin {

bool parse_compression(const std::string& text, compression& out) {
  if (text == "none")
    out = compression::none;
  else if (text == "fast")
    out = compression::fast;
  else if (text == "best")
    out = compression::best;
  else
    return false;
  return true;
}

void check_output_directory(const std::string& dir) {
  // The transaction's constructor makes every check write_outputs makes; destroyed
  // without a commit, it removes the directories it created.
  detail::output_transaction probe(dir);
}

void install_interrupt_cleanup() {
  detail::install_interrupt_cleanup();
}

void set_output_progress(bool on) {
  detail::set_output_progress(on);
}

}  // namespace myelin
