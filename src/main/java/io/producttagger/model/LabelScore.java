package io.producttagger.model;

/**
 * One category and the model's probability for it.
 *
 * @param label the category
 * @param score the softmax probability, 0..1
 */
public record LabelScore(String label, double score) {}
