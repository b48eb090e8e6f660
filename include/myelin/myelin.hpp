#pragma once
// The whole public API of myelin: describe a network (model.hpp), build and run it
// (simulation.hpp), the names a model may use (catalogue.hpp), HNN-core's dipole
// postprocessing (hnn.hpp), output files (outputs.hpp), handle errors (error.hpp).
// Batches of runs: myelin/batch.hpp.

#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"
#include "myelin/model.hpp"
#include "myelin/outputs.hpp"
#include "myelin/simulation.hpp"
