#pragma once
// Plastic synapse types on a built connection table (projection "synapse").

#include <string>

#include "engine/vp_state.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// Gives `tab`, projection `pr`'s table for VP `st` with its connections in place (to
/// become st.tables[st.tables.size()]), the kind, parameters and state of the
/// projection's synapse type; nothing for static synapses. STDP tables get a weight per
/// synapse and a spike history per target cell. `f` is the projection's JSON path.
/// Throws model_error if a delay is too long for the dendritic delay fraction.
void setup_synapses(const network& net, const projection& pr, const std::string& f, vp_state& st,
                    projection_table& tab);

}  // namespace myelin::detail
