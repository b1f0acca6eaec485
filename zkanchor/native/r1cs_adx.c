/* The r1cs code again, with the BMI2/ADX field multiplication (see mont_adx.h);
 * the binding calls it only on CPUs that have those instructions. */
#define ZKA_ADX 1
#include "r1cs.c"
