-- Forget the band keys of nodes no bad case asks any more (removed_nodes).
DELETE FROM request_bands r
WHERE EXISTS (SELECT 1 FROM removed_nodes n WHERE n.scene = r.scene AND n.text = r.text);
