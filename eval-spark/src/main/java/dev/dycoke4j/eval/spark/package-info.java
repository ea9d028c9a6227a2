/**
 * {@code dycoke eval run} on Apache Spark: the samples grouped by video into partitions (so that the vision cache and
 * the prefix cache hit), each executor JVM loading the model once, the driver appending the answers to the same
 * predictions file and scoring them with the same code as an in-process run.
 */
package dev.dycoke4j.eval.spark;
