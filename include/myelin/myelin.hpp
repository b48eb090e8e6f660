#pragma once
// The whole public API of myelin: describe a network (model.hpp), build and run it
// (simulation.hpp), HNN-core's dipole postprocessing (hnn.hpp), handle errors
// (error.hpp).

#include "myelin/error.hpp"
#include "myelin/hnn.hpp"
#include "myelin/model.hpp"
#include "myelin/simulation.hpp"
