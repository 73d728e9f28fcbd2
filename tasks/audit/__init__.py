"""Audit: measure mining on your own traffic with a blind, stratified sample people label."""
