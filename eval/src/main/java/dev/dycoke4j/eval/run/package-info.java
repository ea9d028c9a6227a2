/**
 * Evaluation runs: every (task, method, budget) cell over a list of samples on one engine, each video decoded and
 * encoded once for all cells, predictions appended durably as they finish (resume skips them), then scored with the
 * tasks' own code into {@code results.json}, a Markdown table and plots of accuracy against each budget measure; and
 * the separate, resumable GPT-judge step of the judged tasks.
 */
package dev.dycoke4j.eval.run;
